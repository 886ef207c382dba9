import Foundation

extension TuneSamplers {
    /// Registers the model-based samplers with `hone tune` configurations:
    ///
    /// - `"tpe"`: `seed`, `n_startup_trials`, `n_ei_candidates`, `multivariate`,
    ///   `constant_liar`, `prior_weight`, `max_above_kernels`, `space_filling_startup`,
    ///   `rank_weighted_good_group`, `bandwidth_factor`, `bandwidth_floor` (false: Optuna's
    ///   clip), `candidates_per_dimension`, `leave_one_out_dimensions` (0: never)
    /// - `"gp"`: `seed`, `n_startup_trials`, `deterministic_objective`,
    ///   `space_filling_startup`, `power_transform`, `kriging_believer`
    /// - `"cmaes"`: `seed`, `n_startup_trials`, `sigma0`, `population_size`
    /// - `"genetic"` (also `"nsga2"`): `seed`, `population_size`, `crossover_prob`,
    ///   `mutation_prob`, `steady_state`
    ///
    /// Runs once, on the registry's first use.
    static func registerModelBasedSamplers() {
        store("tpe") { o in
            let c = o.config
            try c.checkNoUnknownFields(allowed: [
                "type", "seed", "n_startup_trials", "n_ei_candidates", "multivariate", "constant_liar",
                "prior_weight", "max_above_kernels", "space_filling_startup", "rank_weighted_good_group",
                "bandwidth_factor", "bandwidth_floor", "candidates_per_dimension", "leave_one_out_dimensions",
            ])
            let factor = try c.double("bandwidth_factor") ?? TPESampler.defaultBandwidthFactor
            guard factor > 0 && factor.isFinite else {
                throw ConfigError.invalidValue(path: "sampler.bandwidth_factor", message: "must be a positive number, got \(factor)")
            }
            let leaveOneOut = try c.int("leave_one_out_dimensions", atLeast: 0) ?? TPESampler.defaultLeaveOneOutDimensions
            return TPESampler(
                seed: o.workerSeed,
                nStartupTrials: try c.int("n_startup_trials", atLeast: 0) ?? TPESampler.defaultStartupTrials,
                nEICandidates: try c.int("n_ei_candidates", atLeast: 1) ?? TPESampler.defaultEICandidates,
                priorWeight: max(try c.double("prior_weight") ?? TPESampler.defaultPriorWeight, 0),
                multivariate: try c.bool("multivariate"),
                constantLiar: try c.bool("constant_liar") ?? true,
                maxAboveKernels: try c.int("max_above_kernels", atLeast: 1) ?? 100,
                spaceFillingStartup: try c.bool("space_filling_startup") ?? false,
                rankWeightedGoodGroup: try c.bool("rank_weighted_good_group") ?? true,
                bandwidthFactor: factor,
                bandwidthFloor: try c.bool("bandwidth_floor") ?? true ? .hone : nil,
                candidatesPerDimension: try c.int("candidates_per_dimension", atLeast: 0)
                    ?? TPESampler.defaultCandidatesPerDimension,
                leaveOneOutDimensions: leaveOneOut == 0 ? nil : leaveOneOut)
        }
        store("gp") { o in
            let c = o.config
            try c.checkNoUnknownFields(allowed: [
                "type", "seed", "n_startup_trials", "deterministic_objective", "space_filling_startup", "power_transform",
                "kriging_believer",
            ])
            let g = GPSampler(
                seed: o.workerSeed, nStartupTrials: try c.int("n_startup_trials", atLeast: 0) ?? 10,
                deterministicObjective: try c.bool("deterministic_objective") ?? false,
                spaceFillingStartup: try c.bool("space_filling_startup") ?? true)
            g.powerTransform = try c.bool("power_transform") ?? true
            g.krigingBeliever = try c.bool("kriging_believer") ?? true
            return g
        }
        let genetic: Factory = { o in
            let c = o.config
            try c.checkNoUnknownFields(allowed: [
                "type", "seed", "population_size", "crossover_prob", "mutation_prob", "steady_state",
            ])
            return GeneticSampler(
                seed: o.workerSeed, populationSize: try c.int("population_size", atLeast: 2) ?? 10,
                crossoverProbability: min(max(try c.double("crossover_prob") ?? 0.9, 0), 1),
                mutationProbability: try c.double("mutation_prob").map { min(max($0, 0), 1) },
                steadyState: try c.bool("steady_state") ?? true)
        }
        store("cmaes") { o in
            let c = o.config
            try c.checkNoUnknownFields(allowed: ["type", "seed", "n_startup_trials", "sigma0", "population_size"])
            return CmaEsSampler(
                seed: o.workerSeed, nStartupTrials: try c.int("n_startup_trials", atLeast: 0) ?? 1,
                sigma0: try c.double("sigma0") ?? 1.0 / 6, populationSize: try c.int("population_size", atLeast: 2))
        }
        store("genetic", genetic)
        store("nsga2", genetic)
    }
}
