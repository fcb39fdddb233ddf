"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ApiError, apiFetch, isClientError } from "../lib/api";
import { isValidExitAlarm } from "../lib/cache-updates";
import { qk } from "../lib/query-keys";
import type { ExitAlarmDto, ExitAlarmsDto, Mode } from "../lib/types";
import { useStatus } from "./use-status";

const EMPTY: ExitAlarmDto[] = [];

/**
 * Failed exits, every mode. The `exit:alarm` event replaces the cached list at once (feed-apply); the REST
 * list is polled as a safety net. A server without `/api/exit-alarms` yet falls back to `status.exitAlarms`.
 */
export function useExitAlarms(): { alarms: ExitAlarmDto[]; isError: boolean } {
  const query = useQuery({
    queryKey: qk.exitAlarms,
    queryFn: async ({ signal }) => {
      const data = await apiFetch<ExitAlarmsDto>("/api/exit-alarms", { signal });
      return Array.isArray(data?.alarms) ? data.alarms.filter(isValidExitAlarm) : [];
    },
    // A server without the route (404) is not asked again every 10 s: status.exitAlarms stands in.
    refetchInterval: (q) => (q.state.error instanceof ApiError && q.state.error.status === 404 ? false : 10_000),
    retry: (failures, err) => !isClientError(err) && failures < 1,
  });
  const status = useStatus();
  const fromStatus = status.data?.exitAlarms;
  const alarms = query.data ?? (Array.isArray(fromStatus) ? fromStatus : EMPTY);
  return { alarms, isError: query.isError && !Array.isArray(fromStatus) };
}

/** The alarm of each position of a mode, by position id. */
export function useExitAlarmsByPosition(mode: Mode | undefined): Map<string, ExitAlarmDto> {
  const { alarms } = useExitAlarms();
  return useMemo(() => {
    const byId = new Map<string, ExitAlarmDto>();
    for (const alarm of alarms) {
      if (alarm.positionId && (!mode || alarm.mode === mode)) byId.set(alarm.positionId, alarm);
    }
    return byId;
  }, [alarms, mode]);
}
