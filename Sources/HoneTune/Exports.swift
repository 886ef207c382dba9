// HoneTune's API uses HoneCore's configuration reader and seeded generator; users get
// them without a second import.
@_exported import HoneCore
