"""The book out of the project: Markdown, HTML and EPUB (formats), DOCX (docx_export, docx_layout).

May import `book`, `core` and the root settings."""
