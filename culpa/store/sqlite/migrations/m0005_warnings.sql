-- Step 5. Typed warnings: parts of a stored document that could not be read while the
-- rest was (a PDF page that would not parse, an archive member locked by a password, a
-- page OCR failed on). The document's metadata says the same in free text
-- (page_errors, encrypted_members, ocr_errors, ...); these rows give each an error kind,
-- so `culpa errors` lists them and `culpa status` counts them. A document stored anew
-- has its warnings replaced in the same transaction; a page read again by `culpa ocr`
-- has its ocr_failed warning replaced with the page.
CREATE TABLE IF NOT EXISTS warnings (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind        TEXT NOT NULL,               -- an ErrorKind: 'corrupt', 'encrypted', ...
    message     TEXT NOT NULL,
    page        INTEGER,                     -- the page it concerns; NULL for the whole file
    member      TEXT,                        -- the member path it concerns inside a container
    recorded_at TEXT NOT NULL                -- UTC ISO-8601
);
CREATE INDEX IF NOT EXISTS warnings_document ON warnings(document_id, page);
CREATE INDEX IF NOT EXISTS warnings_kind ON warnings(kind);
