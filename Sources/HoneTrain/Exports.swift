// Users of HoneTrain get layers, optimizers and data without further imports.
@_exported import HoneData
@_exported import HoneNN
@_exported import HoneOptim
