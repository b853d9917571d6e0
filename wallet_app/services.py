"""Composition root: everything the front ends use, built in one place.

`open_profile` is light (config and database, no chain stack) so that a window can show cached data at once;
`build_services` loads the chain stack and connects.
"""
