-- Step 7. The reporter's edits to the entities (`culpa entities merge|split|alias`): kept
-- apart from the findings, which an analyzer replaces whenever it runs again, and keyed by
-- what a re-run finds again (a canonical name and its label; a mention's document SHA-256,
-- page and character span), never by a finding's row id. They are applied in id order
-- when entities, mentions and quotations are read (culpa/store/entity_edits.py).
CREATE TABLE IF NOT EXISTS entity_edits (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('merge', 'split', 'alias')),
    label        TEXT NOT NULL,              -- the entity edited: PER, ORG, LOC, DATE, TIME
    name         TEXT NOT NULL,              -- its canonical name
    target_label TEXT,                       -- merge, split: the entity its mentions go to
    target_name  TEXT,
    alias        TEXT,                       -- alias: the name added to the entity
    made_at      TEXT NOT NULL,              -- UTC ISO-8601
    CHECK ((kind = 'alias') = (alias IS NOT NULL)),
    CHECK ((kind = 'alias') = (target_name IS NULL AND target_label IS NULL))
);

-- The mentions a split moves: one row per mention, by its document's SHA-256 and span.
CREATE TABLE IF NOT EXISTS entity_split_mentions (
    edit_id    INTEGER NOT NULL REFERENCES entity_edits(id),
    sha256     TEXT NOT NULL,
    page       INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end   INTEGER NOT NULL,
    PRIMARY KEY (edit_id, sha256, page, span_start, span_end)
);
CREATE INDEX IF NOT EXISTS entity_split_mentions_span
    ON entity_split_mentions(sha256, page, span_start, span_end);
