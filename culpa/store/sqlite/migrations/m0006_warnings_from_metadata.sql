-- Step 6. Warnings for the documents of a case ingested before step 5: what their
-- metadata lists in free text becomes typed warnings, so `culpa errors` and `culpa status`
-- show them without reading the files again. The kinds and messages are the ones the
-- extractors give (culpa/formats: archives/zip.py LOCKED_MEMBER, ...). Documents that
-- already have warnings (ingested since step 5) are left as they are.
INSERT INTO warnings (document_id, kind, message, page, member, recorded_at)
WITH RECURSIVE
listed(document_id, kind, shape, message, rest) AS (
    SELECT d.id, k.kind, k.shape, k.message, json_extract(d.metadata, '$."' || k.key || '"') || char(10)
    FROM documents d
    JOIN (
        SELECT 'page_errors' AS key, 'corrupt' AS kind, 'page' AS shape, NULL AS message
        UNION ALL SELECT 'ocr_errors', 'ocr_failed', 'page', NULL
        UNION ALL SELECT 'encrypted_members', 'encrypted', 'member',
            'password-protected member, not read: give its password with --password'
        UNION ALL SELECT 'unread_members', 'unsupported', 'member',
            'compressed with a method no installed reader decodes'
        UNION ALL SELECT 'unsupported_members', 'unsupported', 'member',
            'compressed with a method py7zr cannot decode (BCJ2?)'
        UNION ALL SELECT 'incomplete_members', 'corrupt', 'member',
            'continues in a volume of the archive missing here'
    ) k
    WHERE json_valid(d.metadata) AND json_extract(d.metadata, '$."' || k.key || '"') IS NOT NULL
      AND d.id NOT IN (SELECT document_id FROM warnings)
),
lines(document_id, kind, shape, message, line, rest) AS (
    SELECT document_id, kind, shape, message, NULL, rest FROM listed
    UNION ALL
    SELECT document_id, kind, shape, message,
           substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1)
    FROM lines WHERE rest <> ''
)
SELECT document_id, kind,
       CASE WHEN shape = 'page' THEN substr(line, instr(line, ': ') + 2) ELSE message END,
       CASE WHEN shape = 'page' THEN CAST(substr(line, 6, instr(line, ':') - 6) AS INTEGER) END,
       CASE WHEN shape = 'member' THEN line END,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM lines
WHERE line IS NOT NULL AND line <> ''
  AND (shape <> 'page' OR (line LIKE 'page %: %' AND instr(line, ': ') > 0));
