-- The app's tables (Prisma-managed in production). Created only where absent, as a compatible
-- subset; an existing table is never altered, renamed or dropped.
DO $$
BEGIN
    IF to_regclass('public.providers') IS NULL THEN
        CREATE TABLE public.providers (
            id                 text PRIMARY KEY,
            slug               text NOT NULL UNIQUE,
            name               text NOT NULL,
            logo_url           text,
            website_url        text,
            status_page_url    text,
            documentation_url  text,
            regions            text,
            metadata           text,
            created_at         timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at         timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
    END IF;

    IF to_regclass('public.models') IS NULL THEN
        CREATE TABLE public.models (
            id                  text PRIMARY KEY,
            provider_id         text NOT NULL REFERENCES public.providers (id),
            slug                text NOT NULL UNIQUE,
            name                text NOT NULL,
            description         text,
            modalities          text,
            capabilities        text,
            context_window      integer,
            max_output_tokens   integer,
            is_active           boolean NOT NULL DEFAULT true,
            metadata            text,
            intelligence_score  integer,
            output_speed        integer,
            input_price         numeric(10, 4),
            output_price        numeric(10, 4),
            data_source         text,
            last_verified       timestamp(3),
            created_at          timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at          timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX models_data_source_idx ON public.models (data_source);
        CREATE INDEX models_last_verified_idx ON public.models (last_verified);
        CREATE INDEX models_is_active_idx ON public.models (is_active);
    END IF;

    IF to_regclass('public.change_logs') IS NULL THEN
        CREATE TABLE public.change_logs (
            id           text PRIMARY KEY,
            provider_id  text,
            model_id     text,
            change_type  text NOT NULL,
            change_data  jsonb,
            confidence   double precision,
            created_at   timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
    END IF;
END
$$;
