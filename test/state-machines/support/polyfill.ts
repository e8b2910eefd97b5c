// aws-local-stepfunctions 3.x calls Promise.withResolvers (Node 22+). On Node 20 every Task would
// fail — and a States.ALL Catch would hide why — so tests install this before running a machine.
// Test-only: the handlers never touch globals.
type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof P.withResolvers !== "function") {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
export {};
