"""PDF from a page's own HTML with WeasyPrint: tagged PDF/UA-1, so screen readers can read it.

WeasyPrint is imported only here, when a PDF is made, so the app starts without it loaded. It may
read only the site's own static files (the style sheet), straight from disk: a PDF never makes the
server fetch anything over the network.
"""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, request


def _static_file(url):
    """``(bytes, mime type)`` of a static file of the site; anything else is refused."""
    path = urlsplit(url).path
    static_url = current_app.static_url_path.rstrip("/") + "/"
    if not path.startswith(static_url):
        raise ValueError(f"a PDF may only use the site's static files, not {url}")
    root = Path(current_app.static_folder).resolve()
    file = (root / path[len(static_url):]).resolve()
    if root not in file.parents or not file.is_file():
        raise ValueError(f"no such static file: {url}")
    return file.read_bytes(), mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def _static_only_fetcher():
    """WeasyPrint 68 on takes a ``URLFetcher`` subclass; earlier versions a function returning a dict."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcherResponse"):

        class StaticOnly(urls.URLFetcher):
            def fetch(self, url, headers=None):
                body, mime_type = _static_file(url)
                return urls.URLFetcherResponse(url, body, {"Content-Type": mime_type})

        return StaticOnly()

    def fetch(url):
        body, mime_type = _static_file(url)
        return {"string": body, "mime_type": mime_type}

    return fetch


def html_to_pdf(html):
    """The PDF of a rendered page; its title and language come from the page's <title> and <html lang>."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=request.url_root, url_fetcher=_static_only_fetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1")
