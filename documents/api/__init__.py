"""The read API's documents (``/api/v1/documents/…``): documents with their language versions
and revisions (downloads through the pages' permission-checked addresses), circulations and
receipts. Every list starts from ``permissions.documents_visible_to``."""
