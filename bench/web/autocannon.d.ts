// The part of autocannon's API that bench:web uses (the package ships no types).
declare module "autocannon" {
  namespace autocannon {
    interface RequestOptions {
      method?: string;
      setupRequest?: (
        request: Record<string, unknown>,
        context: Record<string, unknown>,
      ) => Record<string, unknown>;
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
    }
    interface Options {
      url: string;
      connections?: number;
      amount?: number;
      connectionRate?: number;
      timeout?: number;
      requests?: RequestOptions[];
    }
    interface Histogram {
      average: number;
      mean: number;
      max: number;
      p50: number;
      p97_5: number;
      p99: number;
      total: number;
    }
    interface Result {
      connections: number;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      latency: Histogram;
      requests: Histogram;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
