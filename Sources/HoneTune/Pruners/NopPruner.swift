/// Never prunes (the same as giving a study no pruner).
public final class NopPruner: Pruner {
    public init() {}
    public func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool { false }
}
