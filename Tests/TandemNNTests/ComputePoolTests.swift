import Synchronization
import TandemNN
import Testing

@Suite struct ComputePoolTests {
    @Test(arguments: [1, 2, 3])
    func everyTaskRunsExactlyOnceOnAValidWorker(threads: Int) {
        let pool = ComputePool(threads: threads)
        for tasks in [0, 1, 2, 7, 50, 1000] {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(tasks, 1))
            counts.initialize(repeating: 0)
            defer { counts.deallocate() }
            let badWorker = Atomic<Bool>(false)
            for _ in 0..<20 {
                pool.run(tasks: tasks) { task, worker in
                    counts[task] += 1
                    if worker < 0 || worker >= threads { badWorker.store(true, ordering: .relaxed) }
                }
            }
            #expect((0..<tasks).allSatisfy { counts[$0] == 20 }, "\(threads) threads, \(tasks) tasks")
            let sawBadWorker = badWorker.load(ordering: .relaxed)
            #expect(!sawBadWorker)
        }
    }

    @Test func poolsStartAndStopRepeatedly() {
        for _ in 0..<50 {
            let pool = ComputePool(threads: 2)
            let total = Atomic<Int>(0)
            pool.run(tasks: 10) { task, _ in total.wrappingAdd(task, ordering: .relaxed) }
            let sum = total.load(ordering: .relaxed)
            #expect(sum == 45)
        }
    }
}
