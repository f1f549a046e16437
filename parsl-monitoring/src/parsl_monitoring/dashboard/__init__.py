"""The monitoring web dashboard: a small HTTP server, server-built pages, bundled JS/SVG charts."""
