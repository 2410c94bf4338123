ALTER TABLE "exports" ADD COLUMN "progress_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "progress_total" integer;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "progress_at" timestamp with time zone;