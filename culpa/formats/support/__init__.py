"""Package-level helpers shared by extractors, not extractors themselves.

The OOXML package layer, ODF encryption, the one safe XML parser, XMP packets,
external converter programs, text codecs and right-to-left reordering.
"""
