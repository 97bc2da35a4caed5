import Foundation
import Glibc

extension Experiment {
    /// Creates the entities' directories and places their attached files: copies, symbolic
    /// links, and configured files with their `;name;` tags replaced by the model's parameters.
    ///
    /// ``start(_:block:)`` does the same for directories that do not exist yet, so calling
    /// this is needed only to inspect or prepare files before starting, or to start afresh.
    ///
    /// - Parameters:
    ///   - entities: models, ensembles, databases.
    ///   - overwrite: remove each entity's existing directory first; otherwise an existing
    ///     directory is an error (nothing of it is lost).
    /// - Throws: ``ExperimentError/Code-swift.struct/generationFailed``.
    public func generate(_ entities: any Entity..., overwrite: Bool = false) throws(ExperimentError) {
        for entity in entities {
            let directory: URL
            switch entity.kind {
            case .model(let model): directory = model.directory
            case .ensemble(let ensemble): directory = ensemble.directory
            case .orchestrator(let orchestrator): directory = orchestrator.directory
            }
            let files = FileManager.default
            if files.fileExists(atPath: directory.path) {
                guard overwrite else {
                    throw ExperimentError(.generationFailed,
                        "the directory of \(entity.name) already exists: \(directory.path); "
                        + "generate with overwrite: true to replace it")
                }
                do { try files.removeItem(at: directory) } catch {
                    throw ExperimentError(.generationFailed, "cannot remove \(directory.path): \(FileProblem.reason(error))")
                }
            }
            try prepare(entity)
        }
    }

    /// Creates missing directories and (re)places attached files, keeping everything else.
    func prepare(_ entity: any Entity) throws(ExperimentError) {
        switch entity.kind {
        case .model(let model):
            try Self.makeDirectory(model.directory)
            try Self.place(model.files, in: model.directory, parameters: model.parameters)
        case .ensemble(let ensemble):
            try Self.makeDirectory(ensemble.directory)
            for member in ensemble.members { try prepare(member) }
        case .orchestrator(let orchestrator):
            // The database's folder holds its data and configuration (with any password).
            try PrivateFiles.makeDirectory(orchestrator.directory)
            chmod(orchestrator.directory.path, 0o700)
        }
    }

    private static func makeDirectory(_ url: URL) throws(ExperimentError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError(.generationFailed, "cannot create a folder: \(FileProblem.explain(error, at: url.path))")
        }
    }

    private static func place(_ attached: AttachedFiles, in directory: URL,
                              parameters: [String: String]) throws(ExperimentError) {
        let files = FileManager.default
        func destination(for source: URL) throws(ExperimentError) -> URL {
            guard files.fileExists(atPath: source.path) else {
                throw ExperimentError(.generationFailed, "attached file \(source.path) does not exist")
            }
            let target = directory.appendingPathComponent(source.lastPathComponent)
            // Replace an earlier copy or link (a link is removed even when it dangles).
            if (try? files.attributesOfItem(atPath: target.path)) != nil {
                do { try files.removeItem(at: target) } catch {
                    throw ExperimentError(.generationFailed, "cannot replace \(target.path): \(FileProblem.reason(error))")
                }
            }
            return target
        }
        do {
            for source in attached.copy {
                try files.copyItem(at: source, to: try destination(for: source))
            }
            for source in attached.link {
                try files.createSymbolicLink(at: try destination(for: source),
                                             withDestinationURL: source.standardizedFileURL.absoluteURL)
            }
            for source in attached.configure {
                let text = try String(contentsOf: source, encoding: .utf8)
                let configured = ConfiguredFile.replacingTags(in: text, parameters: parameters)
                try configured.write(to: try destination(for: source), atomically: true, encoding: .utf8)
            }
        } catch let error as ExperimentError {
            throw error
        } catch {
            throw ExperimentError(.generationFailed, "cannot place attached files in \(directory.path): \(FileProblem.reason(error))")
        }
    }
}
