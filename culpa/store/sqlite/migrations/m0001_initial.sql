-- Step 1: the case schema of the last culpa before numbered migrations (commit c5686e4).
-- Every statement says IF NOT EXISTS: a case made before migrations were numbered is at
-- step 0 and runs this step too, which adds what an early build of it lacked (the
-- annotation tables, ocr_runs) and leaves the rest as it is. Documented in
-- docs/case-layout.md.
-- One row per distinct content (SHA-256); every path it was found at is in provenance.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,      -- hex; the original is blobs/ab/cd/<sha256>
    size          INTEGER NOT NULL,          -- bytes
    mime          TEXT NOT NULL,             -- detected from content, not the name
    type          TEXT NOT NULL,             -- short family: pdf, image, docx, html, text, email, zip, tar, unknown
    status        TEXT NOT NULL,             -- 'ok', 'error' or 'partial' (a budget stopped it)
    error_kind    TEXT,                      -- an ErrorKind when status = 'error'
    error_message TEXT,
    extractor     TEXT,                      -- which extractor read it
    metadata      TEXT NOT NULL DEFAULT '{}', -- JSON object of strings
    page_count    INTEGER NOT NULL DEFAULT 0,
    complete      INTEGER NOT NULL DEFAULT 0, -- 1 once it and all its children are committed
    ingested_at   TEXT NOT NULL              -- UTC ISO-8601
);

CREATE TABLE IF NOT EXISTS provenance (
    path        TEXT PRIMARY KEY,            -- e.g. 'leak.zip!/2017/电报.pdf'
    document_id INTEGER NOT NULL REFERENCES documents(id),
    parent_path TEXT,                        -- the container's provenance path, NULL at top level
    size        INTEGER,                     -- top-level files: size and mtime seen, for fast re-runs
    mtime_ns    INTEGER
);
CREATE INDEX IF NOT EXISTS provenance_document ON provenance(document_id);
CREATE INDEX IF NOT EXISTS provenance_parent ON provenance(parent_path);

CREATE TABLE IF NOT EXISTS pages (
    id             INTEGER PRIMARY KEY,      -- also the rowid in page_index
    document_id    INTEGER NOT NULL REFERENCES documents(id),
    number         INTEGER NOT NULL,         -- 1-based
    text           TEXT NOT NULL,            -- spans are character offsets into this
    language       TEXT,                     -- e.g. zh-Hans, zh-Hant, en, ug, und
    method         TEXT NOT NULL,            -- 'text' (text layer) or 'ocr'
    ocr_engine     TEXT,
    ocr_confidence REAL,
    width          REAL,                     -- page units: PDF points or image pixels
    height         REAL,
    UNIQUE (document_id, number)
);

-- Word boxes, kept apart so page scans stay small.
-- JSON array of [x0, y0, x1, y1, start, end, confidence]; start/end index pages.text.
CREATE TABLE IF NOT EXISTS page_words (
    page_id INTEGER PRIMARY KEY REFERENCES pages(id),
    words   TEXT NOT NULL
);

-- Full-text index over a folded, CJK-bigrammed form of pages.text (see culpa/index/tokens.py).
-- Contentless: the text itself lives in pages.
CREATE VIRTUAL TABLE IF NOT EXISTS page_index USING fts5(
    tokens, content = '', tokenize = 'unicode61 remove_diacritics 0'
);
-- Merge 16 segments at a time, not 4: each commit of an ingest adds a segment, and
-- wider merges rewrite the index fewer times (FTS5 insert CPU -28 %, same query speed).
INSERT INTO page_index (page_index, rank) VALUES ('automerge', 16);

-- Every file that failed, by the path it was found at.
CREATE TABLE IF NOT EXISTS errors (
    path        TEXT PRIMARY KEY,
    sha256      TEXT,                        -- NULL when the file could not even be read
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_kind ON errors(kind);

-- Pages read again by `culpa ocr` and the OCR settings they were read with (JSON of
-- languages and engine), written in the page's own transaction: a re-run skips them.
CREATE TABLE IF NOT EXISTS ocr_runs (
    page_id  INTEGER PRIMARY KEY REFERENCES pages(id),
    settings TEXT NOT NULL,
    done_at  TEXT NOT NULL
);

-- Annotations: what people add in `culpa serve`. An ingest never touches them.
CREATE TABLE IF NOT EXISTS stars (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    starred_at  TEXT NOT NULL                -- UTC ISO-8601
);

CREATE TABLE IF NOT EXISTS tags (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    tag         TEXT NOT NULL COLLATE NOCASE, -- free text, as typed (Latin case ignored)
    tagged_at   TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag);

CREATE TABLE IF NOT EXISTS notes (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    page        INTEGER,                     -- NULL for a note on the whole document
    span_start  INTEGER,                     -- character span in pages.text; NULL without a passage
    span_end    INTEGER,
    quote       TEXT,                        -- the passage, as it read when the note was made
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_document ON notes(document_id);

-- The case format that culpa before numbered migrations checks (it refuses a higher one);
-- the step a case is at is PRAGMA user_version.
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
