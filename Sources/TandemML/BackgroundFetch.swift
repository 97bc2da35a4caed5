import Foundation
import TandemClient

/// What looks at the uploaders' lists found: for each source the datasets appended since
/// the indices the looks started from, and where the next look starts.
struct FetchedData: Sendable {
    var datasets: [Dataset] = []
    var nextIndices: [Int]
}

/// Looks at the uploaders' lists again and again on a thread of its own (with a client of
/// its own) while a trainer uses an epoch, so that downloading what the simulations append
/// overlaps training. ``finish()`` stops it and gives everything it found.
final class BackgroundFetch: @unchecked Sendable {
    /// Seconds between looks that found nothing new.
    static let interval = 0.05

    private let condition = NSCondition()
    private var found: FetchedData
    private var failure: ClientError?
    private var stopping = false
    private var running = true

    /// Starts looking from `nextIndices`; `fetch` does one look from the indices it is given.
    init(from nextIndices: [Int], _ fetch: @escaping @Sendable ([Int]) throws(ClientError) -> FetchedData) {
        found = FetchedData(nextIndices: nextIndices)
        let thread = Thread { [self] in loop(fetch) }
        thread.name = "tandem.prefetch"
        thread.start()
    }

    private func loop(_ fetch: @Sendable ([Int]) throws(ClientError) -> FetchedData) {
        condition.lock()
        while !stopping {
            let from = found.nextIndices
            condition.unlock()
            let result: Result<FetchedData, ClientError>
            do throws(ClientError) { result = .success(try fetch(from)) } catch { result = .failure(error) }
            condition.lock()
            switch result {
            case .success(let look):
                found.datasets += look.datasets
                found.nextIndices = look.nextIndices
                if look.datasets.isEmpty && !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: Self.interval)) }
            case .failure(let error):
                failure = error
                stopping = true
            }
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// Stops looking (after the look under way) and gives what was found, or the error
    /// that stopped it.
    func finish() throws(ClientError) -> FetchedData {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        if let failure { throw failure }
        return found
    }
}
