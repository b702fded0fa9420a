package com.nosto.klaviyo.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The JAX-RS endpoints of a service, found by reflection over its compiled main classes (every class under a root
 * package with a {@code @Path}), so a security test covers an endpoint the day it is added.
 */
public final class ApiEndpoints {

    /** Who may call an endpoint, as its (method's, else class's) security annotation says. */
    public enum Access { AUTHENTICATED, OPERATORS_ONLY, PUBLIC, DENIED, UNDECLARED }

    /**
     * One endpoint: HTTP method, path template (e.g. {@code /api/accounts/{accountId}/segments/{segmentId}}), the
     * declaring {@code Class#method} (for messages), its declared access and the names of its method's annotations.
     */
    public record Endpoint(String method, String template, String declaredBy, Access access, Set<String> annotations) {

        private static final Pattern PARAM = Pattern.compile("\\{\\s*([A-Za-z_][\\w.-]*)\\s*(?::[^}]*)?}");

        /** The path with {@code accountId} set to {@code account} (raw, not encoded) and every other parameter to "1". */
        public String path(String account) {
            Matcher m = PARAM.matcher(template);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement("accountId".equals(m.group(1)) ? account : "1"));
            }
            m.appendTail(out);
            return out.toString();
        }

        public boolean hasAccount() {
            return template.contains("{accountId}");
        }

        @Override
        public String toString() {
            return method + " " + template + " (" + declaredBy + ")";
        }
    }

    private static final String AUTHENTICATED = "io.quarkus.security.Authenticated";
    private static final String ROLES_ALLOWED = "jakarta.annotation.security.RolesAllowed";
    private static final String PERMIT_ALL = "jakarta.annotation.security.PermitAll";
    private static final String DENY_ALL = "jakarta.annotation.security.DenyAll";

    private ApiEndpoints() {
    }

    /** Every endpoint of the resource classes under {@code rootPackage} (main classes only, not test classes). */
    public static List<Endpoint> under(String rootPackage) {
        List<Endpoint> found = new ArrayList<>();
        for (Class<?> type : classesUnder(rootPackage)) {
            Optional<String> base = pathOf(type);
            if (base.isEmpty()) {
                continue;
            }
            for (Method m : type.getMethods()) {
                Optional<String> http = httpMethod(m);
                Optional<String> sub = pathOf(m);
                if (http.isEmpty() && sub.isPresent()) {
                    throw new IllegalStateException("Sub-resource locator " + type.getName() + "#" + m.getName()
                            + ": extend ApiEndpoints to follow it, so its endpoints are tested too");
                }
                http.ifPresent(verb -> found.add(new Endpoint(verb, join(base.get(), sub.orElse("")),
                        type.getSimpleName() + "#" + m.getName(), access(m, type), annotationNames(m))));
            }
        }
        found.sort(Comparator.comparing(Endpoint::template).thenComparing(Endpoint::method));
        return found;
    }

    private static Set<String> annotationNames(Method m) {
        return Arrays.stream(m.getAnnotations()).map(a -> a.annotationType().getName()).collect(Collectors.toUnmodifiableSet());
    }

    private static Access access(Method m, Class<?> type) {
        Access own = declared(m);
        return own != Access.UNDECLARED ? own : declared(type);
    }

    private static Access declared(AnnotatedElement element) {
        for (Annotation a : element.getAnnotations()) {
            switch (a.annotationType().getName()) {
                case AUTHENTICATED:
                    return Access.AUTHENTICATED;
                case ROLES_ALLOWED:
                    return rolesAllowMerchants(a) ? Access.AUTHENTICATED : Access.OPERATORS_ONLY;
                case PERMIT_ALL:
                    return Access.PUBLIC;
                case DENY_ALL:
                    return Access.DENIED;
                default:
            }
        }
        return Access.UNDECLARED;
    }

    private static boolean rolesAllowMerchants(Annotation rolesAllowed) {
        try {
            String[] roles = (String[]) rolesAllowed.annotationType().getMethod("value").invoke(rolesAllowed);
            return Arrays.asList(roles).contains("**") || Arrays.asList(roles).contains("merchant");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<String> httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            for (Annotation meta : a.annotationType().getAnnotations()) {
                if (meta.annotationType().getName().equals("jakarta.ws.rs.HttpMethod")) {
                    return Optional.of(value(meta));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> pathOf(AnnotatedElement element) {
        return Arrays.stream(element.getAnnotations())
                .filter(a -> a.annotationType().getName().equals("jakarta.ws.rs.Path"))
                .map(ApiEndpoints::value).findFirst();
    }

    private static String value(Annotation a) {
        try {
            return (String) a.annotationType().getMethod("value").invoke(a);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(String base, String sub) {
        String path = "/" + base + "/" + sub;
        path = path.replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** The classes of {@code rootPackage} and below in the module's main output directories (not test classes). */
    private static List<Class<?>> classesUnder(String rootPackage) {
        String dir = rootPackage.replace('.', '/');
        List<Class<?>> classes = new ArrayList<>();
        try {
            for (URL url : Collections.list(ClassLoader.getSystemClassLoader().getResources(dir))) {
                if (!"file".equals(url.getProtocol())) {
                    continue;
                }
                Path root = Path.of(url.toURI());
                Path classesDir = root;
                for (int i = 0; i < rootPackage.split("\\.").length; i++) {
                    classesDir = classesDir.getParent();
                }
                if (classesDir.getFileName().toString().equals("test-classes")) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                        String name = classesDir.relativize(f).toString().replace(java.io.File.separatorChar, '.');
                        classes.add(Class.forName(name.substring(0, name.length() - ".class".length()), false,
                                Thread.currentThread().getContextClassLoader()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return classes;
    }
}
