"""Signed-in pages: contribution forms and imports, moderation, accounts and the admin's user list.
May import geotour.web and everything it may."""
