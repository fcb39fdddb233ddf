"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ChannelInput } from "@/server/alerts/schemas";
import type { ChannelView } from "@/server/alerts";
import type { AlertKind, AlertLogEntry, AlertSeverity, Delivery } from "@/server/alerts/types";
import { apiFetch } from "../lib/api";

/** Data hooks of the alert log and the alert channels (types from the server's own modules). */
export const alertKeys = {
  log: (filter: { kind?: AlertKind; severity?: AlertSeverity }) => ["alerts", "log", filter] as const,
  channels: ["alerts", "channels"] as const,
};

export function useAlertLog(filter: { kind?: AlertKind; severity?: AlertSeverity }) {
  return useQuery({
    queryKey: alertKeys.log(filter),
    queryFn: ({ signal }) => apiFetch<{ items: AlertLogEntry[] }>("/api/alerts", { signal, query: { limit: 200, ...filter } }).then((r) => r.items),
    refetchInterval: 10_000,
  });
}

export function useAlertChannels() {
  return useQuery({ queryKey: alertKeys.channels, queryFn: ({ signal }) => apiFetch<ChannelView[]>("/api/alerts/channels", { signal }) });
}

export function useSaveChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: ChannelInput }) =>
      id ? apiFetch<ChannelView>(`/api/alerts/channels/${encodeURIComponent(id)}`, { method: "PUT", body: input }) : apiFetch<ChannelView>("/api/alerts/channels", { method: "POST", body: input }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: alertKeys.channels }),
  });
}

export function useDeleteChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<{ ok: true }>(`/api/alerts/channels/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: alertKeys.channels }),
  });
}

export function useTestChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<Delivery>(`/api/alerts/channels/${encodeURIComponent(id)}/test`, { method: "POST", body: {} }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["alerts", "log"] }),
  });
}
