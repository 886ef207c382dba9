import Foundation
import Testing
@testable import HoneTrees

struct EnsembleTests {
    /// Rows where a smooth additive rule (which boosting with stumps captures) and a sharp
    /// interaction (which deep trees capture) both decide the label.
    private func data(rows: Int, seed: UInt64) -> (FeatureMatrix, [Double]) {
        TestData.make(rows: rows, features: 6, seed: seed) { x, rng in
            let additive = x[0] + x[1] + x[2] + x[3]
            let interaction = (x[4] > 0) == (x[5] > 0) ? 1.5 : -1.5
            return additive + interaction + 0.5 * rng.nextGaussian() > 0 ? 1 : 0
        }
    }

    private func logLoss(_ p: [[Double]], _ y: [Double]) -> Double {
        zip(p, y).map { -log(max($0[Int($1)], 1e-15)) }.reduce(0, +) / Double(y.count)
    }

    @Test func stackingBeatsItsBestMemberOnHeldOutRows() throws {
        let (x, y) = data(rows: 1500, seed: 1)
        let (testX, testY) = data(rows: 2000, seed: 2)
        var stumps = GradientBoostingOptions()
        stumps.maxLeaves = 2
        stumps.rounds = 150
        var forest = RandomForestOptions()
        forest.treeCount = 60
        var shallow = DecisionTreeOptions()
        shallow.maxDepth = 3
        let members: [EnsembleMember] = [.gradientBoosting(stumps, name: "stumps"), .randomForest(forest), .decisionTree(shallow)]
        var memberLosses: [Double] = []
        for member in members {
            memberLosses.append(logLoss(try member.fit(x, y)(testX), testY))
        }
        let stack = try Stacking.fit(x, labels: y, members: members, classCount: 2, folds: 5, seed: 3)
        let stackLoss = logLoss(try stack.predict(testX), testY)
        #expect(stackLoss < memberLosses.min()!, "stack \(stackLoss), members \(memberLosses)")
    }

    @Test func softmaxRegressionRecoversALogisticRule() throws {
        // Labels drawn from P(y = 1) = σ(2a − b + 0.5): the fit should find those weights.
        let (x, y) = TestData.make(rows: 4000, features: 2, seed: 5) { x, rng in
            rng.nextDouble() < 1 / (1 + exp(-(2 * x[0] - x[1] + 0.5))) ? 1 : 0
        }
        let fit = try SoftmaxRegression.fit(x, labels: y, classCount: 2, l2: 0, iterations: 2000)
        // Two-class softmax weights are identified up to a shared shift: compare differences.
        let slopeA = fit.weights[1] - fit.weights[0]
        let slopeB = fit.weights[3] - fit.weights[2]
        let intercept = fit.weights[5] - fit.weights[4]
        #expect(abs(slopeA - 2) < 0.25 && abs(slopeB + 1) < 0.2 && abs(intercept - 0.5) < 0.2, "\(slopeA) \(slopeB) \(intercept)")
    }

    @Test func baggingAveragesCopiesAndVotesSumToOne() throws {
        let (x, y) = data(rows: 400, seed: 7)
        var shallow = DecisionTreeOptions()
        shallow.maxDepth = 4
        let averaged = try Bagging.fit(x, labels: y, member: .decisionTree(shallow), copies: 7, seed: 1)
        let voted = try Bagging.fit(x, labels: y, member: .decisionTree(shallow), copies: 7, combination: .vote, seed: 1)
        let p = try averaged(x)
        let v = try voted(x)
        #expect(p.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-12 })
        // Seven votes: every share is a multiple of 1/7.
        #expect(v.allSatisfy { $0.allSatisfy { abs(($0 * 7).rounded() - $0 * 7) < 1e-9 } })
        let single = try DecisionTree.fit(x, labels: y, options: shallow).predict(x)
        #expect(p.map { $0[1] } != single.map { $0[1] })
    }
}
