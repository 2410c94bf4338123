// Every admin page: the admin areas' messages for its client components.
import type { ReactNode } from "react";
import { AreaMessages } from "../_components/area-messages";

export default function AdminLayout({ children }: { children: ReactNode }) {
  return <AreaMessages areas={["admin", "admin-campaigns"]}>{children}</AreaMessages>;
}
