// Runs many SHACL validations in one JVM with Apache Jena's engine, as a referee for pySHACL.
//
// Usage: java ShaclReferee JOBS   where each line of JOBS is  shapes-file TAB data-file TAB out-file.
// Each out-file gets one line per result: focus node TAB rule shape TAB severity IRI. The rule
// shape is the named shape the result belongs to: a property shape without a name is traced to the
// node shape that holds it (sh:property), so results compare by the rule, as icskg reports them.
// bench/ShaclAnchor.java (compiled with this file) reports rule shapes by the same ruleShape.

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.NodeFactory;
import org.apache.jena.graph.Triple;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;

public class ShaclReferee {
    static final Node PROPERTY = NodeFactory.createURI("http://www.w3.org/ns/shacl#property");

    static Node ruleShape(Graph shapes, Node shape) {
        Node current = shape;
        for (int depth = 0; current.isBlank() && depth < 20; depth++) {
            Iterator<Triple> parents = shapes.find(Node.ANY, PROPERTY, current);
            if (!parents.hasNext()) {
                break;
            }
            current = parents.next().getSubject();
        }
        return current;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Graph> shapeGraphs = new HashMap<>();
        Map<String, Shapes> parsed = new HashMap<>();
        List<String> jobs = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        for (String job : jobs) {
            String[] parts = job.split("\t");
            Graph shapesGraph = shapeGraphs.computeIfAbsent(parts[0], RDFDataMgr::loadGraph);
            Shapes shapes = parsed.computeIfAbsent(parts[0], path -> Shapes.parse(shapesGraph));
            Graph data = RDFDataMgr.loadGraph(parts[1]);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(parts[2]), StandardCharsets.UTF_8))) {
                for (ReportEntry entry : report.getEntries()) {
                    Node rule = ruleShape(shapesGraph, entry.source());
                    out.println(entry.focusNode() + "\t" + rule + "\t" + entry.severity().level().getURI());
                }
            }
        }
    }
}
