package com.nosto.klaviyo.gateway.domain;

import java.util.List;

/**
 * What Klaviyo holds of the account's list, decided from the list the connection stores and the lists named like it.
 *
 * @param status      OK, RENAMED (the stored list carries another name) or MISSING (the stored list is gone)
 * @param listId      the list the audit reads and a repair writes to: the stored one, else the oldest named like it,
 *                    else null (a repair creates one)
 * @param duplicates  lists named like it beyond the one in use (a renamed list: all of them)
 */
public record ListFinding(Status status, String storedListId, String listId, int duplicates) {

    public enum Status { OK, RENAMED, MISSING }

    /**
     * @param storedListId  the connection's list
     * @param storedExists  whether Klaviyo still knows it
     * @param namedOldestFirst ids of the lists carrying the name, oldest first
     */
    public static ListFinding of(String storedListId, boolean storedExists, List<String> namedOldestFirst) {
        if (storedExists && namedOldestFirst.contains(storedListId)) {
            return new ListFinding(Status.OK, storedListId, storedListId, namedOldestFirst.size() - 1);
        }
        if (storedExists) {
            return new ListFinding(Status.RENAMED, storedListId, storedListId, namedOldestFirst.size());
        }
        String adopted = namedOldestFirst.isEmpty() ? null : namedOldestFirst.get(0);
        return new ListFinding(Status.MISSING, storedListId, adopted, Math.max(0, namedOldestFirst.size() - 1));
    }

    /** A repair renames the list back, unless another list carries the name already (that would make a duplicate). */
    public boolean renameBack() {
        return status == Status.RENAMED && duplicates == 0;
    }

    /** A repair creates the list: the stored one is gone and none carries the name. */
    public boolean create() {
        return status == Status.MISSING && listId == null;
    }
}
