import Glibc

/// Finding the IPv4 address a database binds to.
enum NetworkInterface {
    /// The IPv4 address of `interface`: the text itself when it already is an IPv4 address,
    /// else the first IPv4 address of the interface with that name (`lo` → `127.0.0.1`).
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/unknownInterface``.
    static func ipv4Address(of interface: String) throws(ExperimentError) -> String {
        var parsed = in_addr()
        if inet_pton(AF_INET, interface, &parsed) == 1 { return interface }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else {
            throw ExperimentError(.unknownInterface, "cannot list network interfaces (errno \(errno))")
        }
        defer { freeifaddrs(list) }
        var names: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let name = String(cString: entry.pointee.ifa_name)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            if !names.contains(name) { names.append(name) }
            guard name == interface else { continue }
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                var raw = ipv4.pointee.sin_addr
                inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        throw ExperimentError(.unknownInterface,
            "network interface \"\(interface)\" has no IPv4 address; interfaces with one: \(names.joined(separator: ", "))")
    }
}
