/** Thrown by `{{break}}` and caught by the innermost range. */
export class BreakSignal {}

/** Thrown by `{{continue}}` and caught by the innermost range's iteration. */
export class ContinueSignal {}
