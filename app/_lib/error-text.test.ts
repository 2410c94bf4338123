// A failed call reads in the reader's language when the server named its message, with the
// values filled in; an unnamed one keeps the server's English sentence; no answer at all says to
// check the connection. Every name the server or the pages can give has a message.
import { TRPCClientError } from "@trpc/client";
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { SERVER_ERROR_KEYS } from "@/lib/server-errors";
import ar from "@/messages/ar.json";
import en from "@/messages/en.json";
import es from "@/messages/es.json";
import { CLIENT_ERROR_KEYS, failureOf, failureText } from "./error-text";

function translator(locale: "en" | "es" | "ar") {
  const messages = { en, es, ar }[locale];
  const t = createTranslator({ locale, messages, namespace: "ServerErrors", timeZone: "UTC" });
  return (key: string, values?: Record<string, string | number>) => t(key as never, values as never);
}

/** A tRPC error answer as the client receives it. */
function answered(message: string, data: Record<string, unknown>) {
  return TRPCClientError.from({ error: { code: -32600, message, data } });
}

describe("failure text", () => {
  const at = Date.UTC(2026, 11, 7, 14, 5);
  const turnLimit = answered(
    'You have sent 3 prompts in the last hour in "Helpful", the campaign\'s limit.',
    {
      named: {
        key: "turnLimit",
        values: { count: 3, window: "hour", campaign: "Helpful", at, unit: "minutes", wait: 12 },
      },
    },
  );

  it("words a named error in the reader's language, values and plural forms included", () => {
    expect(failureText(failureOf(turnLimit), translator("es"))).toBe(
      "Has enviado 3 instrucciones en la última hora en «Helpful», el límite de la campaña. " +
        "Podrás volver a enviar a las 14:05 UTC (dentro de 12 minutos).",
    );
    const arabic = failureText(failureOf(turnLimit), translator("ar"));
    expect(arabic).toContain("«Helpful»");
    expect(arabic).toMatch(/[3٣] طلبات/); // Arabic's "few" form for 3
    expect(failureText(failureOf(turnLimit), translator("en"))).toContain(
      "You can send again at 2:05 PM UTC (in 12 minutes).",
    );
  });

  it("names the roles of a refusal in the reader's words", () => {
    const refused = answered("This needs the admin role…", {
      named: { key: "forbiddenRole", values: { required: "admin", actual: "annotator" } },
    });
    expect(failureText(failureOf(refused), translator("es"))).toMatch(
      /^Esto requiere el rol de administrador y tu cuenta es de anotador\./,
    );
  });

  it("keeps the server's sentence when the error has no name, or a name this page does not know", () => {
    const plain = answered("This turn is already a gold item.", { named: null });
    expect(failureText(failureOf(plain), translator("ar"))).toBe("This turn is already a gold item.");
    const unknown = answered("Something new.", { named: { key: "notAKeyYet" } });
    expect(failureText(failureOf(unknown), translator("es"))).toBe("Something new.");
  });

  it("says to check the connection when no answer came", () => {
    const offline = TRPCClientError.from(new TypeError("Failed to fetch"));
    expect(failureText(failureOf(offline), translator("es"))).toBe(
      "No se pudo contactar con Arbiter. Comprueba tu conexión y vuelve a intentarlo.",
    );
  });

  it("has a message for every name the server and the pages give, and no other", () => {
    expect(Object.keys(en.ServerErrors).sort()).toEqual([...SERVER_ERROR_KEYS, ...CLIENT_ERROR_KEYS].sort());
  });
});
