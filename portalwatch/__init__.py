"""portalwatch: coverage monitoring for Vietnamese provincial portals and newspapers."""
