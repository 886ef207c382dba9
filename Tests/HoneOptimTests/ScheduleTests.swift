import Foundation
import Testing

@testable import HoneOptim

@Suite struct ScheduleTests {
    func values(_ schedule: some LearningRateSchedule, count: Int) -> [Float] {
        (0..<count).map { schedule.learningRate(at: $0) }
    }

    func reference(_ name: String) throws -> [Float] { try #require(Reference.schedules[name]) }

    @Test func stepDecayMatchesPyTorch() throws {
        let expected = try reference("step")
        expectClose(values(StepDecay(initialLearningRate: 0.1, stepSize: 3, gamma: 0.5), count: expected.count), expected)
    }

    @Test func multiStepDecayMatchesPyTorchIncludingRepeatedMilestones() throws {
        let expected = try reference("multi_step")
        let schedule = MultiStepDecay(initialLearningRate: 0.1, milestones: [9, 5, 2, 5], gamma: 0.3)
        expectClose(values(schedule, count: expected.count), expected)
    }

    @Test func exponentialDecayMatchesPyTorch() throws {
        let expected = try reference("exponential")
        expectClose(values(ExponentialDecay(initialLearningRate: 0.1, gamma: 0.9), count: expected.count), expected)
    }

    @Test func cosineAnnealingMatchesPyTorchBeyondOnePeriod() throws {
        let expected = try reference("cosine")
        let schedule = CosineAnnealing(initialLearningRate: 0.1, period: 10, minimumLearningRate: 0.001)
        expectClose(values(schedule, count: expected.count), expected)
        // Closed form at a quarter period: η_min + (lr₀ − η_min)(1 + cos(π/4))/2.
        let quarter = 0.001 + 0.099 * (1 + Foundation.cos(Double.pi / 4)) / 2
        #expect(Swift.abs(Double(schedule(2)) - (0.001 + 0.099 * (1 + Foundation.cos(Double.pi * 0.2)) / 2)) < 1e-8)
        #expect(Swift.abs(Double(CosineAnnealing(initialLearningRate: 0.1, period: 4, minimumLearningRate: 0.001)(1)) - quarter) < 1e-8)
        #expect(schedule(10) == 0.001)
    }

    @Test func warmRestartsMatchPyTorch() throws {
        let growing = try reference("warm_restarts")
        let sgdr = CosineAnnealingWarmRestarts(
            initialLearningRate: 0.1, firstPeriod: 3, periodMultiplier: 2, minimumLearningRate: 0.01)
        expectClose(values(sgdr, count: growing.count), growing)
        // Periods 3, 6, 12: restarts at steps 3 and 9 return to the initial rate.
        #expect(sgdr(3) == 0.1 && sgdr(9) == 0.1 && sgdr(21) == 0.1)
        #expect(sgdr.position(at: 20) == (stepInPeriod: 11, periodLength: 12))
        let constant = try reference("warm_restarts_constant_period")
        let fixed = CosineAnnealingWarmRestarts(initialLearningRate: 0.1, firstPeriod: 4)
        expectClose(values(fixed, count: constant.count), constant)
    }

    @Test func linearWarmupMatchesPyTorchLinearLR() throws {
        let expected = try reference("linear_warmup")
        let schedule = LinearWarmup(warmupSteps: 4, startFactor: 0.25, then: ConstantSchedule(0.1))
        expectClose(values(schedule, count: expected.count), expected)
    }

    @Test func linearWarmupHandsOverToTheWrappedScheduleFromItsStart() {
        let cosine = CosineAnnealing(initialLearningRate: 0.2, period: 10)
        let schedule = LinearWarmup(warmupSteps: 5, startFactor: 0, then: cosine)
        #expect(schedule(0) == 0)
        #expect(Swift.abs(schedule(2) - 0.2 * 2 / 5) < 1e-8)
        for step in 5..<20 { #expect(schedule(step) == cosine(step - 5)) }
    }

    @Test func oneCycleMatchesPyTorchWithItsDefaults() throws {
        let schedule = OneCycle(maximumLearningRate: 0.1, totalSteps: 20)
        expectClose(values(schedule, count: 20), try reference("one_cycle"))
        let momentum = (0..<20).map { schedule.momentum(at: $0) }
        expectClose(momentum, try reference("one_cycle_momentum"))
        // Defaults: starts at max / 25, peaks at step 0.3 · 20 − 1 = 5, ends at max / 25 / 1e4.
        #expect(Swift.abs(schedule(0) - 0.004) < 1e-9)
        #expect(schedule(5) == 0.1)
        #expect(Swift.abs(schedule(19) - 4e-7) < 1e-12)
    }

    @Test func oneCycleLinearAndThreePhaseMatchPyTorch() throws {
        let linear = OneCycle(maximumLearningRate: 0.1, totalSteps: 20, annealing: .linear)
        expectClose(values(linear, count: 20), try reference("one_cycle_linear"))
        let threePhase = OneCycle(maximumLearningRate: 0.1, totalSteps: 20, percentStart: 0.25, threePhase: true)
        expectClose(values(threePhase, count: 20), try reference("one_cycle_three_phase"))
    }

    @Test func closuresAreSchedules() {
        let schedule = FunctionSchedule { step in 1 / Float(step + 1) }
        #expect(schedule(3) == 0.25)
        #expect(StepDecay(initialLearningRate: 1, stepSize: 2, gamma: 0.5).function(4) == 0.25)
    }

    @Test func schedulerSetsTheOptimizerRateEachStepKeepingGroupRatios() {
        let body = Tensor.zeros([1]).requiringGrad()
        let head = Tensor.zeros([1]).requiringGrad()
        let optimizer = SGD(
            groups: [ParameterGroup(parameters: [body], learningRate: 0.01), ParameterGroup(parameters: [head])],
            learningRate: 0.1)
        let schedule = StepDecay(initialLearningRate: 0.1, stepSize: 2, gamma: 0.5)
        let scheduler = LearningRateScheduler(optimizer, schedule: schedule)
        var seen: [[Float]] = []
        for _ in 0..<5 {
            seen.append(optimizer.parameterGroups.map { $0.learningRate! })
            scheduler.step()
        }
        let expectedHead: [Float] = [0.1, 0.1, 0.05, 0.05, 0.025]
        expectClose(seen.map { $0[1] }, expectedHead, tolerance: 1e-7, "head")
        expectClose(seen.map { $0[0] }, expectedHead.map { $0 / 10 }, tolerance: 1e-7, "body")
        #expect(scheduler.stepCount == 5)
        let resumed = LearningRateScheduler(optimizer, schedule: schedule, stepCount: 5)
        #expect(optimizer.learningRate == schedule(5) && resumed.learningRate == schedule(5))
    }

    @Test func closureSchedulerDrivesTheOptimizer() {
        let optimizer = Adam(parameters: [Tensor.zeros([1]).requiringGrad()])
        let scheduler = LearningRateScheduler(optimizer) { step in 0.1 * Float(step + 1) }
        scheduler.step()
        scheduler.step()
        #expect(Swift.abs(optimizer.learningRate - 0.3) < 1e-7)
    }

    @Test func schedulesRoundTripThroughCodable() throws {
        let schedule = LinearWarmup(
            warmupSteps: 3, startFactor: 0.1,
            then: CosineAnnealingWarmRestarts(initialLearningRate: 0.1, firstPeriod: 5, periodMultiplier: 2))
        let decoded = try JSONDecoder().decode(type(of: schedule), from: JSONEncoder().encode(schedule))
        #expect(decoded == schedule)
        let cycle = OneCycle(maximumLearningRate: 1, totalSteps: 100, annealing: .linear)
        #expect(try JSONDecoder().decode(OneCycle.self, from: JSONEncoder().encode(cycle)) == cycle)
    }
}

@Suite struct MomentumCyclingTests {
    @Test func oneCycleDrivesSGDMomentumLikePyTorch() throws {
        let optimizer = SGD(parameters: [Tensor.zeros([1]).requiringGrad()], learningRate: 0.1, momentum: 0.9)
        let scheduler = LearningRateScheduler(optimizer, schedule: OneCycle(maximumLearningRate: 0.1, totalSteps: 20))
        var rates: [Float] = []
        var momenta: [Float] = []
        for _ in 0..<20 {
            rates.append(optimizer.learningRate)
            momenta.append(optimizer.momentum)
            scheduler.step()
        }
        expectClose(rates, try #require(Reference.schedules["one_cycle"]))
        expectClose(momenta, try #require(Reference.schedules["one_cycle_momentum"]))
    }

    @Test func oneCycleSetsAdamsFirstBetaUnlessDisabled() {
        let schedule = OneCycle(maximumLearningRate: 0.1, totalSteps: 10)
        let adam = Adam(parameters: [Tensor.zeros([1]).requiringGrad()])
        _ = LearningRateScheduler(adam, schedule: schedule, stepCount: 3)
        #expect(adam.betas.0 == schedule.momentum(at: 3))
        let untouched = Adam(parameters: [Tensor.zeros([1]).requiringGrad()])
        _ = LearningRateScheduler(untouched, schedule: schedule, stepCount: 3, cycleMomentum: false)
        #expect(untouched.betas.0 == 0.9)
    }
}
