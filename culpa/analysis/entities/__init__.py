"""People, organisations, places, dates and times named in the pages, and who said what.

The shared vocabulary lives in :mod:`culpa.analysis.entities.mentions`; each
concept has its own module: recognising names in text, folding a name to its
canonical form, and the analyzers that store what they find as findings.
"""
