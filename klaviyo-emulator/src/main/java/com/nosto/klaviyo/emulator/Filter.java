package com.nosto.klaviyo.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Klaviyo's filter syntax, the part this emulator needs: {@code equals(field,"v")}, {@code any(field,["a","b"])},
 * combined with {@code and(...)}. Strings in double (or single) quotes; the spec's own example {@code equals(name,['x'])}
 * (a one-element list) is accepted too. Anything else is a 400, as Klaviyo answers an invalid filter.
 */
final class Filter {

    record Condition(String op, String field, List<String> values) {
    }

    private final List<Condition> conditions;

    private Filter(List<Condition> conditions) {
        this.conditions = conditions;
    }

    static Filter none() {
        return new Filter(List.of());
    }

    /** Parses and checks each field/operator against what the endpoint allows. */
    static Filter parse(String text, Map<String, Set<String>> allowed) {
        if (text == null || text.isBlank()) {
            return none();
        }
        Parser p = new Parser(text.trim());
        List<Condition> out = new ArrayList<>();
        try {
            p.expression(out);
            p.skipWs();
            if (!p.atEnd()) {
                throw p.fail("unexpected input");
            }
        } catch (IndexOutOfBoundsException e) {
            throw invalid(text, "unexpected end");
        }
        for (Condition c : out) {
            Set<String> ops = allowed.get(c.field());
            if (ops == null) {
                throw invalid(text, "'" + c.field() + "' is not a valid field for this filter");
            }
            if (!ops.contains(c.op())) {
                throw invalid(text, "operator '" + c.op() + "' is not allowed for field '" + c.field() + "'");
            }
        }
        return new Filter(out);
    }

    /** True when every condition holds; {@code field} returns the value of a field (case-insensitive match for email). */
    <T> boolean matches(T item, Function<String, String> fieldOf) {
        for (Condition c : conditions) {
            String actual = fieldOf.apply(c.field());
            boolean ok = false;
            for (String v : c.values()) {
                if (actual != null && ("email".equals(c.field()) ? actual.equalsIgnoreCase(v.trim()) : actual.equals(v))) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    List<Condition> conditions() {
        return conditions;
    }

    private static ApiError invalid(String text, String why) {
        return ApiError.invalidParam("Invalid filter provided: " + text + " (" + why + ")", "filter");
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        void expression(List<Condition> out) {
            skipWs();
            String op = ident();
            expect('(');
            if ("and".equals(op)) {
                expression(out);
                skipWs();
                while (peek() == ',') {
                    i++;
                    expression(out);
                    skipWs();
                }
                expect(')');
                return;
            }
            if (!"equals".equals(op) && !"any".equals(op)) {
                throw fail("unsupported operator '" + op + "'");
            }
            skipWs();
            String field = ident();
            expect(',');
            skipWs();
            List<String> values = new ArrayList<>();
            if (peek() == '[') {
                i++;
                skipWs();
                if (peek() != ']') {
                    values.add(string());
                    skipWs();
                    while (peek() == ',') {
                        i++;
                        skipWs();
                        values.add(string());
                        skipWs();
                    }
                }
                expect(']');
            } else {
                if ("any".equals(op)) {
                    throw fail("any() takes a list");
                }
                values.add(string());
            }
            expect(')');
            out.add(new Condition(op, field, values));
        }

        String ident() {
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '-' || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw fail("identifier expected");
            }
            return s.substring(start, i);
        }

        String string() {
            char q = s.charAt(i);
            if (q != '"' && q != '\'') {
                throw fail("string literals must be quoted");
            }
            i++;
            StringBuilder sb = new StringBuilder();
            while (s.charAt(i) != q) {
                if (s.charAt(i) == '\\') {
                    i++;
                }
                sb.append(s.charAt(i++));
            }
            i++;
            return sb.toString();
        }

        void expect(char c) {
            skipWs();
            if (i >= s.length() || s.charAt(i) != c) {
                throw fail("'" + c + "' expected");
            }
            i++;
        }

        char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        void skipWs() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        boolean atEnd() {
            return i >= s.length();
        }

        ApiError fail(String why) {
            return invalid(s, why + " at position " + i);
        }
    }
}
