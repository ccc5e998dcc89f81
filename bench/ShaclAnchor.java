// Apache Jena's SHACL engine as the speed anchor for icskg's validation (bench/shacl.py).
//
// Usage: java ShaclAnchor OUT (SHAPES DATA)...   Each pair is one validation, in one JVM, as
// `shacl validate --shapes SHAPES --data DATA` would run it. OUT gets one line per result:
// focus node TAB path TAB rule shape TAB severity IRI, where the path is the IRI of a simple
// predicate path (empty otherwise) and the rule shape is the named shape the result belongs to (a
// property shape without a name is traced to the node shape that holds it, as icskg reports it,
// by tests/referee/ShaclReferee.java's ruleShape: javac compiles the two files together).

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.sparql.path.P_Link;

public class ShaclAnchor {
    public static void main(String[] args) throws Exception {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[0]), StandardCharsets.UTF_8))) {
            for (int i = 1; i + 1 < args.length; i += 2) {
                long started = System.nanoTime();
                Graph shapesGraph = RDFDataMgr.loadGraph(args[i]);
                Shapes shapes = Shapes.parse(shapesGraph);
                Graph data = RDFDataMgr.loadGraph(args[i + 1]);
                long loaded = System.nanoTime();
                ValidationReport report = ShaclValidator.get().validate(shapes, data);
                long validated = System.nanoTime();
                System.err.printf("%s %s: load %.3f s, validate %.3f s, %d results%n", args[i], args[i + 1],
                                  (loaded - started) / 1e9, (validated - loaded) / 1e9, report.getEntries().size());
                for (ReportEntry entry : report.getEntries()) {
                    String path = entry.resultPath() instanceof P_Link link ? link.getNode().getURI() : "";
                    Node rule = ShaclReferee.ruleShape(shapesGraph, entry.source());
                    out.println(entry.focusNode() + "\t" + path + "\t" + rule + "\t"
                                + entry.severity().level().getURI());
                }
            }
        }
    }
}
