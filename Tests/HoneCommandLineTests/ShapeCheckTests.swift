import Foundation
import Testing

/// Every model configuration is checked against the data's shapes before a run directory
/// exists: a mismatch is one line naming the field and both sizes, exit code 2, and
/// nothing written.
@Suite(.serialized)
struct ShapeCheckTests {
    /// Runs `hone train` on `layers` over 8×8 images of 10 classes and checks the refusal.
    func expectRefusal(layers: String, message: String) throws {
        let scratch = try Scratch()
        try scratch.writeImages(prefix: "train", count: 40, side: 8, classes: 10, seed: 1)
        try scratch.write(imageConfig(layers: layers), as: "model.json")
        let before = try scratch.listing()
        let result = try scratch.hone(["train", "model.json", "--run-dir", "run"])
        #expect(result.status == 2, "exit \(result.status): \(result.error)")
        #expect(result.error == "hone train: error: \(message)\n")
        #expect(try scratch.listing() == before, "a run directory was left behind")
    }

    @Test func aKernelLargerThanItsInputNamesTheFieldAndBothSizes() throws {
        try expectRefusal(
            layers: #"[{"conv2d": {"out_channels": 4, "kernel_size": 20}}, {"flatten": {}}, {"linear": {"out_features": 10}}]"#,
            message: "field 'model[0].conv2d.kernel_size': kernel size 20 is larger than the layer's input 8×8; use a kernel of at most 8")
    }

    @Test func aPoolingWindowLargerThanWhatIsLeftIsRefused() throws {
        try expectRefusal(
            layers: #"[{"conv2d": {"out_channels": 4, "kernel_size": 3, "padding": 1}}, {"max_pool2d": {"kernel_size": 4}},"#
                + #" {"max_pool2d": {"kernel_size": 3}}, {"flatten": {}}, {"linear": {"out_features": 10}}]"#,
            message: "field 'model[2].max_pool2d.kernel_size': kernel size 3 is larger than the layer's input 2×2; use a kernel of at most 2")
    }

    @Test func aLastLinearWithFewerOutputsThanClassesNamesOutFeatures() throws {
        try expectRefusal(
            layers: #"[{"flatten": {}}, {"linear": {"out_features": 32}}, {"relu": {}}, {"linear": {"out_features": 3}}]"#,
            message: "field 'model[3].linear.out_features': the model gives 3 outputs per sample but the data needs 10 outputs, one per class")
    }

    @Test func aModelEndingWithImagesAsksForFlattenAndLinear() throws {
        try expectRefusal(
            layers: #"[{"conv2d": {"out_channels": 10, "kernel_size": 3}}]"#,
            message: "field 'model[0]': the model ends with shape [10, 6, 6] per sample but the data needs 10 outputs, one per class; "
                + "end with flatten and a linear layer")
    }
}
