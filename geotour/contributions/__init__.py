"""What contributors send: field rules, proposals, the submission workflow and its states, moderators'
decisions, visitors' position reports, the changes between versions, bulk-import readers and the import
itself, photo cleaning, accounts and roles. No Flask in here.

May import: geotour.domain, geotour.storage (its interface and errors), geotour.errors, geotour.text.
Never geotour.web."""
