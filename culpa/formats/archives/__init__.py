"""Archives (ZIP, TAR, RAR, 7-Zip and libarchive's others): members become child documents."""
