// Starts one OpenSearch node on 127.0.0.1 for portalwatch's development and CI, and keeps it up
// until the process is stopped. Run by engine.sh with the classpath Maven resolved from pom.xml.
import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import org.codelibs.opensearch.runner.OpenSearchRunner;

public class EngineMain {
    public static void main(String[] args) throws Exception {
        String basePath = args[0];
        int httpPort = Integer.parseInt(args[1]);
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort);
            settings.put("discovery.type", "single-node");
            // A nearly full developer disk must not turn the test indices read-only.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", false);
            // Each search's segments in parallel slices, not one after another: a text query matching 400,000
            // of a million articles, with its facets, came back in p95 97-120 ms instead of 169-179 ms on 2 cores.
            settings.put("search.concurrent_segment_search.mode", "all");
        }).build(newConfigs().basePath(basePath).numOfNode(1).baseHttpPort(httpPort - 1)
                .clusterName("portalwatch-dev").disableESLogger());
        runner.ensureYellow();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        System.out.println("engine ready on http://127.0.0.1:" + httpPort);
        Thread.currentThread().join();
    }
}
