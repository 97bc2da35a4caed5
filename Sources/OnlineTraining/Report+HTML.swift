import Foundation
import TandemExperiment
import TandemPlot

extension Report {
    /// The report as one self-contained HTML page (pictures are referenced by their relative
    /// paths): heading and state, parameters, accuracy, pictures with their titles, the
    /// status table and the log of events. While the run is ``State/running`` the page
    /// reloads itself every `refreshSeconds`.
    public func html(refreshSeconds: Int = 5) -> String {
        let e = Markup.escaped
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">

            """
        if state == .running {
            page += RunningMarkup.whileRunning("<meta http-equiv=\"refresh\" content=\"\(max(1, refreshSeconds))\">") + "\n"
        }
        page += """
            <title>\(e(title))</title>
            <style>
            body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }
            td.number { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1em 0 2em; }
            figure img { max-width: 100%; border: 1px solid #eee; }
            figcaption { color: #555; font-size: 0.9em; }
            .state { display: inline-block; padding: 0.1em 0.6em; border-radius: 0.3em; color: white; }
            .running { background: #1f77b4; } .finished { background: #2ca02c; }
            .interrupted { background: #ff7f0e; } .failed { background: #d62728; }
            </style>
            </head>
            <body>
            <h1>\(e(title))</h1>

            """
        let stateLine = "<p><span class=\"state \(state.rawValue)\">\(state.rawValue)</span> wall time \(String(format: "%.1f", wallSeconds)) s</p>"
        page += (state == .running ? RunningMarkup.whileRunning(stateLine) : stateLine) + "\n"
        if let message { page += "<p>\(e(message))</p>\n" }

        page += "<h2>Parameters</h2>\n<table>\n"
        for (name, value) in parameters {
            page += "<tr><th>\(e(name))</th><td>\(e(value.description))</td></tr>\n"
        }
        page += "</table>\n"

        page += "<h2>Accuracy</h2>\n"
        if let network {
            page += "<p>Network: <code>\(e(network.architecture))</code>, \(network.parameters) parameters.</p>\n"
        }
        if let accuracy {
            let tutorial = Self.tutorialNetworkMeanAbsoluteError
            page += """
                <p>The final model, run in the database on \(accuracy.samples) fresh simulations that were not in \
                training, against the solver's answer; the tutorial's network and two trivial predictors for scale.</p>
                <table>
                <tr><th>predictor</th><th>mean absolute error</th><th>max absolute error</th></tr>
                <tr><td>model</td><td class="number">\(Self.figure(accuracy.meanAbsoluteError))</td>\
                <td class="number">\(Self.figure(accuracy.maxAbsoluteError))</td></tr>

                """
            if let near = accuracy.nearSourceMeanAbsoluteError, let far = accuracy.farFieldMeanAbsoluteError {
                let share = accuracy.nearSourceShare.map { String(format: " (%.1f%% of the points)", $0 * 100) } ?? ""
                page += """
                    <tr><td>model, near a source\(e(share))</td><td class="number">\(Self.figure(near))</td><td></td></tr>
                    <tr><td>model, far field</td><td class="number">\(Self.figure(far))</td><td></td></tr>

                    """
            }
            page += """
                <tr><td>the tutorial's DiffusionResNet (measured, several seeds)</td>\
                <td class="number">\(Self.figure(tutorial.lowerBound))–\(Self.figure(tutorial.upperBound))</td><td></td></tr>
                <tr><td>all zeros</td><td class="number">\(Self.figure(accuracy.zerosMeanAbsoluteError))</td><td></td></tr>
                <tr><td>the input itself</td><td class="number">\(Self.figure(accuracy.identityMeanAbsoluteError))</td><td></td></tr>
                </table>

                """
        } else {
            page += "<p>Not measured yet.</p>\n"
        }

        page += "<h2>Pictures</h2>\n"
        if figures.isEmpty { page += "<p>None yet.</p>\n" }
        for figure in figures {
            page += "<figure>\n<h3>\(e(figure.title))</h3>\n<img src=\"\(e(figure.file))\" alt=\"\(e(figure.title))\">\n"
            if !figure.caption.isEmpty { page += "<figcaption>\(e(figure.caption))</figcaption>\n" }
            page += "</figure>\n"
        }

        if !databaseNodes.isEmpty {
            page += "<h2>Database</h2>\n<p>What each node held at the end: datasets (one per simulation), tensors "
                + "(the datasets' fields and the training batches) and models (each checkpoint; a sharded database keeps one copy per shard).</p>\n"
                + "<table>\n<tr>" + ["Node", "Address", "Role", "Slots", "Keys", "Datasets", "Tensors", "Models"]
                .map { "<th>\($0)</th>" }.joined() + "</tr>\n"
            for node in databaseNodes {
                page += "<tr><td>\(e(node.name))</td><td>\(e(node.address))</td><td>\(e(node.role))</td>"
                    + "<td>\(e(node.slots.joined(separator: " ")))</td>"
                    + [node.keys, node.datasets, node.tensors, node.models].map { "<td class=\"number\">\($0)</td>" }.joined()
                    + "</tr>\n"
            }
            page += "</table>\n"
        }

        page += "<h2>Processes</h2>\n"
        if entities.isEmpty {
            page += "<p>None started.</p>\n"
        } else {
            page += "<table>\n<tr><th></th>" + ["Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"]
                .map { "<th>\($0)</th>" }.joined() + "</tr>\n"
            for (index, entity) in entities.enumerated() {
                page += "<tr><th>\(index)</th><td>\(e(entity.name))</td><td>\(e(entity.entityType))</td>"
                    + "<td>\(e(entity.jobID))</td><td class=\"number\">\(entity.runID)</td>"
                    + "<td class=\"number\">\(String(format: "%.3f", entity.seconds))</td><td>\(e(entity.status))</td>"
                    + "<td class=\"number\">\(entity.returnCode.map(String.init) ?? "")</td></tr>\n"
            }
            page += "</table>\n"
        }

        if !events.isEmpty {
            page += "<h2>Log</h2>\n<ul>\n" + events.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
        }
        return page + "</body>\n</html>\n"
    }

    /// An error figure with four significant digits.
    static func figure(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "—"
    }
}
