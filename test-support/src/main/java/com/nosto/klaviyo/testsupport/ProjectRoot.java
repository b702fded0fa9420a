package com.nosto.klaviyo.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root, where deploy/local/ and the local-kafka module live. */
public final class ProjectRoot {

    private ProjectRoot() {
    }

    public static Path find() {
        String configured = System.getProperty("project.root");
        if (configured != null && Files.exists(Path.of(configured, "deploy", "local", "kafka"))) {
            return Path.of(configured).toAbsolutePath();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("deploy/local/kafka"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("Cannot find the project root (deploy/local/kafka) above " + Path.of("").toAbsolutePath());
    }
}
