import HoneTestSupport
import Testing

@testable import HoneCore

/// Programmer errors inside the math stop the process with a message naming both shapes;
/// each case runs in a child process (an exit test) and its standard error is checked.
@Suite struct ShapeErrorTests {
    static func stderrText(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func mismatchedBroadcastNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        let text = Self.stderrText(result)
        #expect(text.contains("[2, 3]") && text.contains("[4]"), "stderr: \(text)")
    }

    @Test func mismatchedMatmulNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }
        let text = Self.stderrText(result)
        #expect(text.contains("[2, 3]") && text.contains("[4, 5]"), "stderr: \(text)")
    }

    @Test func convolutionChannelMismatchNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 3, 8, 8]), weight: Tensor.zeros([4, 2, 3, 3]))
        }
        let text = Self.stderrText(result)
        #expect(text.contains("[1, 3, 8, 8]") && text.contains("[4, 2, 3, 3]"), "stderr: \(text)")
    }

    @Test func reshapeToWrongSizeNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).reshaped([4, 2])
        }
        let text = Self.stderrText(result)
        #expect(text.contains("[2, 3]") && text.contains("[4, 2]"), "stderr: \(text)")
    }

    @Test func backwardTwiceWithoutRetainingTheGraphIsRefused() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor([1, 2]).requiringGrad()
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
    }

    @Test func retainedGraphAllowsSecondBackward() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        expectClose(x.grad!, [4, 8])
    }
}
