"""Executors: what reads the files of an ingest (see :mod:`culpa.ingest.executors.base`)."""
