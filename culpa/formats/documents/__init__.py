"""Documents: PDF, Word, OpenDocument, legacy Office, PowerPoint, RTF, text, HTML, XML, DjVu."""
