# bash completion for vnet: commands (vnet's and virsh's names), options,
# network names (from the running vnetd), and option values: forward
# protocols and ports, net-update commands and sections, -c URIs, files.
# shellcheck shell=bash

_vnet_networks() { # VNET [GLOBAL OPTIONS...]: the networks' names
    "$@" list --all --name 2>/dev/null | sed '/^$/d'
}

_vnet() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local -a vnet=("${words[0]}")
    local i verb="" verb_at=0
    # global options before the command; keep --root/-c for the daemon queries
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --root | -c | --connect)
            vnet+=("${words[i]}" "${words[i + 1]}")
            ((i++))
            ;;
        --root=* | --connect=*) vnet+=("${words[i]}") ;;
        -*) ;;
        *)
            verb=${words[i]}
            verb_at=$i
            break
            ;;
        esac
    done

    case $prev in
    --root) _filedir -d 2>/dev/null || COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -c | --connect) COMPREPLY=($(compgen -W "vnet:///system network:///system vnet:///system?socket=" -- "$cur")); return ;;
    --proto) COMPREPLY=($(compgen -W "tcp udp" -- "$cur")); return ;;
    --file) _filedir xml 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --network) COMPREPLY=($(compgen -W "$(_vnet_networks "${vnet[@]}")" -- "$cur")); return ;;
    --command) COMPREPLY=($(compgen -W "add add-first add-last delete modify" -- "$cur")); return ;;
    --section)
        COMPREPLY=($(compgen -W "bridge domain ip ip-dhcp-host ip-dhcp-range forward forward-interface forward-pf portgroup dns-host dns-txt dns-srv" -- "$cur"))
        return
        ;;
    --port | --to | --address | --mac | --xpath | --parent-index)
        if [ "$prev" = --port ] && [ "${verb#net-}" = forward-del ]; then
            local net
            for ((i = verb_at + 1; i < cword; i++)); do
                case ${words[i]} in -*) ((i++)) ;; *) net=${words[i]}; break ;; esac
            done
            [ -n "$net" ] && COMPREPLY=($(compgen -W "$("${vnet[@]}" -q forward-list "$net" 2>/dev/null | awk '{print $3}' | sed 's/-.*//')" -- "$cur"))
        fi
        return
        ;;
    esac

    if [ -z "$verb" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-c --connect --root -q --quiet --version --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$("${words[0]}" __complete commands 2>/dev/null)" -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("${words[0]}" __complete options "$verb" 2>/dev/null)" -- "$cur"))
        return
    fi
    # the first positional argument
    local npos=0
    for ((i = verb_at + 1; i < cword; i++)); do
        case ${words[i]} in
        --network | --file | --command | --section | --xml | --parent-index | --mac | --xpath | \
            --proto | --port | --to | --address) ((i++)) ;;
        -*) ;;
        *) ((npos++)) ;;
        esac
    done
    case ${verb#net-} in
    define | create | validate) _filedir xml 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")) ;;
    name | list | ping | reload) ;;
    help) COMPREPLY=($(compgen -W "$("${words[0]}" __complete commands 2>/dev/null)" -- "$cur")) ;;
    update)
        case $npos in
        0) COMPREPLY=($(compgen -W "$(_vnet_networks "${vnet[@]}")" -- "$cur")) ;;
        1) COMPREPLY=($(compgen -W "add add-first add-last delete modify" -- "$cur")) ;;
        2) COMPREPLY=($(compgen -W "bridge domain ip ip-dhcp-host ip-dhcp-range forward forward-interface forward-pf portgroup dns-host dns-txt dns-srv" -- "$cur")) ;;
        3) _filedir xml 2>/dev/null || COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
        ;;
    *) [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_vnet_networks "${vnet[@]}")" -- "$cur")) ;;
    esac
}
complete -F _vnet vnet
