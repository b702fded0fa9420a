package com.nosto.klaviyo.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How every figure is reported: a measure, its limit measured or computed in the same run, their ratio, the target. */
final class Figures {

    private Figures() {
    }


    static Map<String, Object> figure(String measure, Number value, String limitMeaning, Number limit, String target) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("measure", measure);
        f.put("value", value);
        f.put("limitMeaning", limitMeaning);
        f.put("limit", limit);
        f.put("ratio", ratio(value.doubleValue(), limit.doubleValue()));
        f.put("target", target);
        return f;
    }

    static double ratio(double value, double limit) {
        return limit == 0 ? (value == 0 ? 1.0 : Double.POSITIVE_INFINITY) : round(value / limit);
    }

    static double seconds(Duration d) {
        return round(d.toMillis() / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
