"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type {
  ApiTokenDto,
  ArmingInput,
  CreatedApiTokenDto,
  CredentialDto,
  MeDto,
  Mode,
  StrategyInput,
  StrategyInstanceDto,
  StrategyKindDto,
} from "../lib/types";

export function useSetMode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { mode: Mode; arming?: ArmingInput }) =>
      apiFetch<{ mode: Mode }>("/api/mode", { method: "POST", body: { mode: input.mode, confirm: true, arming: input.arming } }),
    // Every list is per mode: refetch everything.
    onSuccess: () => void queryClient.invalidateQueries(),
  });
}

export function useStrategyKinds() {
  return useQuery({
    queryKey: qk.strategyKinds,
    queryFn: ({ signal }) => apiFetch<StrategyKindDto[]>("/api/strategies/kinds", { signal }),
    staleTime: 5 * 60_000,
  });
}

export function useStrategies() {
  return useQuery({
    queryKey: qk.strategies,
    queryFn: ({ signal }) => apiFetch<StrategyInstanceDto[]>("/api/strategies", { signal }),
    staleTime: 30_000,
  });
}

function useStrategyMutation<TInput>(fn: (input: TInput) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.strategies }),
  });
}

export function useCreateStrategy() {
  return useStrategyMutation((input: StrategyInput) =>
    apiFetch<StrategyInstanceDto>("/api/strategies", { method: "POST", body: input }),
  );
}

export function useUpdateStrategy() {
  return useStrategyMutation(({ id, input }: { id: string; input: Partial<StrategyInput> }) =>
    apiFetch<StrategyInstanceDto>(`/api/strategies/${encodeURIComponent(id)}`, { method: "PATCH", body: input }),
  );
}

export function usePauseStrategy() {
  return useStrategyMutation(({ id, pause }: { id: string; pause: boolean }) =>
    apiFetch<unknown>(`/api/strategies/${encodeURIComponent(id)}/${pause ? "pause" : "resume"}`, { method: "POST", body: {} }),
  );
}

export function useDeleteStrategy() {
  return useStrategyMutation((id: string) =>
    apiFetch<unknown>(`/api/strategies/${encodeURIComponent(id)}`, { method: "DELETE" }),
  );
}

export function useTokens() {
  return useQuery({
    queryKey: qk.tokens,
    queryFn: ({ signal }) => apiFetch<ApiTokenDto[]>("/api/tokens", { signal }),
  });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => apiFetch<CreatedApiTokenDto>("/api/tokens", { method: "POST", body: { name } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.tokens }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<unknown>(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.tokens }),
  });
}

export function useCredentials() {
  return useQuery({
    queryKey: qk.credentials,
    queryFn: ({ signal }) => apiFetch<CredentialDto[]>("/api/credentials", { signal }),
  });
}

export function useSaveCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ venue, network, apiKey, secret }: { venue: string; network: string; apiKey: string; secret: string }) =>
      apiFetch<CredentialDto>(`/api/credentials/${encodeURIComponent(venue)}/${encodeURIComponent(network)}`, {
        method: "PUT",
        body: { apiKey, secret },
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.credentials }),
  });
}

export function useMe() {
  return useQuery({
    queryKey: qk.me,
    queryFn: ({ signal }) => apiFetch<MeDto>("/api/auth/me", { signal }),
    staleTime: 60_000,
    retry: false,
  });
}

export function useTotpSetup() {
  return useMutation({
    mutationFn: () => apiFetch<{ secret: string; otpauthUri: string }>("/api/auth/totp/setup", { method: "POST", body: {} }),
  });
}

export function useTotpEnable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => apiFetch<unknown>("/api/auth/totp/enable", { method: "POST", body: { code } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.me }),
  });
}

export function useLogout() {
  return useMutation({
    mutationFn: () => apiFetch<unknown>("/api/auth/logout", { method: "POST", body: {} }),
  });
}
