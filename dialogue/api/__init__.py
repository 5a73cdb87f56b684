"""The read API's door for the dialogue app (``/api/v1/``): tokens, how a request is read
(who asks, with which scopes, in which language), problem details, and the dialogue's endpoints.

The API itself is put together in ``config/api.py``; each app serves its own objects from its
``api/`` sub-package, asking the same policy as its pages (``dialogue.permissions``).
"""
