"""The author's own manuscript, read in: readers for DOCX (docx_reader), EPUB (epub_reader), Markdown and
plain text in any encoding (text), folders of such files (folder), the chapter splitter (split), and
`read_source`, which picks the reader for a path (source).

May import `book` and `core`, nothing above."""
