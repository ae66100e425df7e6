"""Maintainer tools (reference docs, releases): never imported by code that runs on a user's runner."""
