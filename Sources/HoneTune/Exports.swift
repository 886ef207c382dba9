// Users of HoneTune get the tensor API without a second import.
@_exported import HoneCore
