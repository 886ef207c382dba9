import HoneTestSupport
import Testing

@testable import HoneCore

@Suite struct ShapeOpsTests {
    let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])

    @Test func creationHelpers() {
        expectClose(Tensor.arange(0, 5, step: 2), [0, 2, 4])
        #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor.full([3], value: 7).scalars == [7, 7, 7])
        #expect(Tensor.normal([4], seed: 3).scalars == Tensor.normal([4], seed: 3).scalars)
        #expect(Tensor.uniform([4], seed: 3).scalars != Tensor.uniform([4], seed: 4).scalars)
    }

    @Test func reshapeAndPermuteValues() {
        #expect(x.reshaped([3, -1]).shape == [3, 2])
        expectClose(x.transposed(), [0, 3, 1, 4, 2, 5])
        let t = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        let p = t.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p[3, 1, 2] == t[1, 2, 3])
        #expect(t.flattened().shape == [2, 12])
        #expect(t.unsqueezed(axis: 1).shape == [2, 1, 3, 4])
    }

    @Test func slicingConcatStackPadValues() {
        expectClose(x.slice(axis: 1, 1..<3), [1, 2, 4, 5])
        expectClose(x.select(axis: 0, index: 1), [3, 4, 5])
        let c = Tensor.concat([x, Tensor([[9, 9, 9]])], axis: 0)
        #expect(c.shape == [3, 3])
        expectClose(c, [0, 1, 2, 3, 4, 5, 9, 9, 9])
        let s = Tensor.stack([Tensor([1, 2]), Tensor([3, 4])], axis: 1)
        expectClose(s, [1, 3, 2, 4])
        let p = Tensor([[1, 2]]).padded([(1, 0), (0, 1)], value: -1)
        #expect(p.shape == [2, 3])
        expectClose(p, [-1, -1, -1, 1, 2, -1])
    }

    @Test func indexSelectAndGatherValues() {
        expectClose(x.indexSelect(axis: 0, indices: [1, 1, 0]), [3, 4, 5, 3, 4, 5, 0, 1, 2])
        expectClose(x.indexSelect(axis: 1, indices: [2]), [2, 5])
        // torch.gather(x, 1, [[2], [0]]) -> [[2], [3]]
        expectClose(x.gather(axis: 1, indices: [2, 0]), [2, 3])
        expectClose(x.gather(axis: 0, indices: [1, 0, 1]), [3, 1, 5])
    }

    @Test func shapeOpGradients() {
        let t = randomTensor([2, 3, 4])
        expectGradientsMatch([t]) { $0[0].reshaped([4, 6]) }
        expectGradientsMatch([t]) { $0[0].permuted([1, 2, 0]) }
        expectGradientsMatch([t]) { $0[0].transposed(0, 2) }
        expectGradientsMatch([t]) { $0[0].slice(axis: 1, 1..<3) }
        expectGradientsMatch([t]) { $0[0].select(axis: 2, index: 3) }
        expectGradientsMatch([t]) { $0[0].padded([(1, 0), (0, 2), (1, 1)], value: 3) }
        expectGradientsMatch([t]) { $0[0].indexSelect(axis: 1, indices: [2, 0, 2]) }
        expectGradientsMatch([t]) { $0[0].gather(axis: 2, indices: (0..<12).map { $0 % 4 }) }
        expectGradientsMatch([randomTensor([3, 1])]) { $0[0].expanded(to: [2, 3, 4]) }
        let u = randomTensor([2, 1, 4], seed: 5)
        expectGradientsMatch([t, u]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        expectGradientsMatch([u, u.copy()]) { Tensor.stack([$0[0], $0[1]], axis: 0) }
    }
}
