from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; ``import "../live.js"`` in our JavaScript modules is
    rewritten to the hashed name too, so a page loads each module once."""

    support_js_module_import_aggregation = True
