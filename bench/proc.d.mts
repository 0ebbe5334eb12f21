export interface ContextSwitches {
  voluntary: number;
  involuntary: number;
}
export function contextSwitches(): ContextSwitches | null;
export function wakesPerRequest(
  before: ContextSwitches | null,
  after: ContextSwitches | null,
  completed: number,
): number | null;
